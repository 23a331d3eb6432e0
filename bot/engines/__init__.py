"""Engines draft answers behind the `Drafter` port."""
