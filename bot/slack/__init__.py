"""The Slack adapter: Bolt listeners that hand text and users to the handlers and render
their replies as Block Kit."""
