"""`python -m conformance`. An interruption while the tool is still importing is one line and exit 130 too
(only the interpreter's own start-up, before this module runs, is out of reach)."""

try:
    from conformance.cli.main import main
except KeyboardInterrupt:
    import sys

    print("conformance: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
