"""The running bot: settings, the command line, the console (and later the chat adapters)."""
