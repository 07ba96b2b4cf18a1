"""python -m eligibility"""

from .cli import main

main()
