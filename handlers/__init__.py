"""What each command does, free of any chat platform: parse → check who may → act on
storage → a platform-neutral reply. Nothing here imports a chat SDK."""
