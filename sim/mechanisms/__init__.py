"""One module per monthly process of MODEL.md §3 (steps 5-7 so far)."""
