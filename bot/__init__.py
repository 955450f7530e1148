"""The running bot: settings, the command line, the console, the web server, the scheduler
and the chat adapters (Slack, Teams)."""
