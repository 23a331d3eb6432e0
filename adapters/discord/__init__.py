"""The Discord adapter: discord.py interactions in, core calls, messages out."""
