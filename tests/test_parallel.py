"""fanxing.parallel.ordered_map with ``ahead``: results in order, items read lazily, at most
``ahead`` of them in flight, the first failure in order raised."""

import threading

import pytest

from fanxing.parallel import ordered_map


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("ahead", [1, 2, 5])
def test_bounded_results_in_order_and_items_read_lazily(workers, ahead):
    pulled = []
    running, most = [0], [0]
    lock = threading.Lock()

    def items():
        for i in range(40):
            pulled.append(i)
            yield i

    def square(x):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return x * x
        finally:
            with lock:
                running[0] -= 1

    out = []
    for r in ordered_map(square, items(), workers, ahead=ahead):
        # when the caller holds its k-th result, at most `ahead` items beyond it have been read
        assert len(pulled) <= len(out) + max(ahead, 1) + (1 if workers <= 1 else 0)
        out.append(r)
    assert out == [x * x for x in range(40)]
    assert most[0] <= max(1, min(workers, ahead)) or workers <= 1


def test_bounded_first_failure_in_order_is_raised():
    def fail(x):
        if x in (3, 6):
            raise KeyError(x)
        return x

    with pytest.raises(KeyError, match="3"):
        list(ordered_map(fail, iter(range(10)), 3, ahead=4))
    assert list(ordered_map(fail, iter(range(3)), 2, ahead=2)) == [0, 1, 2]
    assert list(ordered_map(fail, iter([]), 2, ahead=2)) == []
