"""Time reading every commit's message of a repository (byok_ci.sources.git.messages).

    PYTHONPATH=<checkout> python bench/messages_read.py REPO

Prints the commits, the characters read, wall time, this process's CPU and git's.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from byok_ci.sources.git.messages import commit_messages


def main() -> None:
    repo = sys.argv[1]
    shas = subprocess.run(["git", "rev-list", "--all"], cwd=repo, capture_output=True, check=True).stdout.split()
    start = time.perf_counter()
    own, git = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    chars = sum(len(chunk.text) for chunk in commit_messages(shas, repo))
    own_after, git_after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{len(shas)} commits {chars} chars wall {time.perf_counter() - start:.3f}s "
          f"self-cpu {own_after.ru_utime + own_after.ru_stime - own.ru_utime - own.ru_stime:.3f} "
          f"git-cpu {git_after.ru_utime + git_after.ru_stime - git.ru_utime - git.ru_stime:.3f}")


if __name__ == "__main__":
    main()
