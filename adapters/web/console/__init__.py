"""The signed-in moderator and admin console (`/console`) and its JSON API (`/api`)."""
