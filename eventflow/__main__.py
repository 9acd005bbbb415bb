import os
import sys

from eventflow.cli import main

code = main()
if sys.argv[1:2] == ["seat"] and any(a == "--instance" or a.startswith("--instance=") for a in sys.argv):
    # The engine alone, under a time limit that runs until the command ends: the plan is written
    # and closed, and the interpreter's clean-up (numba's and llvmlite's modules) took 0.3-0.5 s
    # more on a loaded machine, past the limit.  Nothing of this command needs it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
