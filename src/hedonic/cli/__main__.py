"""``python -m hedonic.cli`` (and ``torchrun -m hedonic.cli``): the same as the ``hedonic`` command."""

from hedonic.cli import main

main()
