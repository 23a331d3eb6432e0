"""The local web workspace: a stand-in chat platform that runs the whole product in a browser."""
