"""What git holds: staged changes, commit ranges and the whole history.

    patch       parses `git diff`/`git log -p` output into the lines each file gains
    process     runs git and turns its failures into one-line messages
    chunker     file patches -> chunks, counting binaries, submodules, LFS pointers, big files
    staged      the index: added lines, line numbers as they will be committed
    commits     commit ranges (`--range`, `--since`, pre-push), the full history, every object
    reach       what reaches a commit no branch or tag reaches (pull-request refs, stash, nothing)
    state       an incremental history's state file: what was scanned, with which settings

Sources only yield chunks; `byok_ci.scan_git` runs detection, dedupes history findings and
marks those no longer at HEAD.
"""
