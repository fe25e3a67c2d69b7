"""A tiny chat application, written for websockets 13.1."""
