"""What both benchmarks share: each measured step runs in a fresh process, so its time and
peak memory are its own."""
import multiprocessing as mp
import resource


def run_in_process(target, *args):
    """target(*args, queue) in a spawned process; returns what it put on the queue."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode:
        raise SystemExit(f"{target.__name__} failed with exit code {process.exitcode}")
    return result


def peak_mb() -> float:
    """The largest resident set of this process (or any child it waited for), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024
