import sys

from eventflow.cli import main

sys.exit(main())
