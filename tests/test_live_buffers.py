import numpy as np

from emobench.live.buffers import AudioBuffer, FrameBuffer


def test_audio_buffer_joins_chunks_of_any_size_and_fills_gaps():
    rate = 100
    buf = AudioBuffer(rate, keep=2.0)
    signal = np.arange(150, dtype=np.float32)
    buf.push(signal[:7], 0.0)
    buf.push(signal[7:100], 0.07)
    buf.push(signal[100:], 1.0)
    np.testing.assert_array_equal(buf.between(0.0, 1.5), signal)
    buf.push(np.ones(10, np.float32), 2.0)  # 0.5 s late: a gap of zeros
    assert buf.end == 2.1
    assert np.all(buf.between(1.5, 2.0) == 0) and np.all(buf.between(2.0, 2.1) == 1)
    assert buf.start >= buf.end - 2.0 - 1e-9  # only keep seconds retained


def test_frame_buffer_windows_and_drops_old_or_repeated_frames():
    buf = FrameBuffer(keep=1.0)
    for i in range(30):
        buf.push(np.full((2, 2, 3), i, np.uint8), i / 10)
    buf.push(np.zeros((2, 2, 3), np.uint8), 2.9)  # repeated timestamp ignored
    assert buf.end == 2.9 and buf.start >= 1.9
    window = buf.between(2.0, 2.5)
    assert [int(f[0, 0, 0]) for f in window] == [20, 21, 22, 23, 24]



def test_sliding_windows_sample_the_same_frames_where_they_overlap():
    from emobench.live.frames import grid_indices

    times = np.arange(300) / 30.0  # 10 s at 30 fps
    stride, count = 2.5 / 8, 8

    def sampled(start, end):
        inside = np.flatnonzero((times >= start) & (times < end))
        return times[inside][grid_indices(times[inside], start, end, 0.0, stride, count)]

    a, b = sampled(3.0, 5.5), sampled(3.5, 6.0)
    assert len(a) == len(b) == count and len(set(a)) == count
    assert np.all(np.diff(a) > 0.25) and np.all(np.diff(a) < 0.375)  # ~ the stride apart
    shared = set(a) & set(b)
    assert len(shared) >= count - 2  # a hop of 0.5 s brings 1-2 new grid points
    early = sampled(0.0, 0.5)  # the stream's first hop: 2 grid points, repeated to 8
    assert len(early) == count and len(set(early)) == 2
    assert set(early) <= set(sampled(0.0, 1.0))
