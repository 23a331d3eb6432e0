"""The Slack adapter: slack-bolt events in, core calls, Block Kit out."""
