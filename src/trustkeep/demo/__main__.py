"""`python -m trustkeep.demo`: the end-to-end tour (see tour.py)."""

from trustkeep.demo.tour import main

main()
