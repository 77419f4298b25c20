"""What git holds: staged changes, commit ranges and the whole history.

    patch       parses `git diff`/`git log -p` output into the lines each file gains
    process     runs git and turns its failures into one-line messages
    chunker     file patches -> chunks, counting binaries, submodules, LFS pointers, big files
    staged      the index: added lines, line numbers as they will be committed
    commits     commit ranges (`--range`, `--since`, pre-push) and the full history

Sources only yield chunks; `byok_ci.scan_git` runs detection, dedupes history findings and
marks those no longer at HEAD.
"""
