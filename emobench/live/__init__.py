"""Live emotion recognition over an audio-visual stream (camera and microphone, or a file at its
real rate): :class:`LivePredictor` takes pushed frames and audio chunks and yields a result
every hop over sliding windows, with each stage's compute latency."""
from emobench.live.predictor import DEFAULT_ENTRIES, HOP, WINDOW, LivePredictor, LiveResult

__all__ = ["DEFAULT_ENTRIES", "HOP", "WINDOW", "LivePredictor", "LiveResult"]
