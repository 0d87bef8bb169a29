"""Canary mail intake: input channels (SMTP, webhooks) feeding one pipeline."""
