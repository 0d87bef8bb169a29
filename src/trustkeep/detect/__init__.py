"""Detection: judge canary sightings (pure rules) and keep the alerts they raise."""
