from byok_ci.cli import main

main(prog_name="byok-ci")
