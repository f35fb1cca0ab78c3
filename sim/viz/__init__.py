"""Figures (matplotlib) and, later, the trainers app."""
