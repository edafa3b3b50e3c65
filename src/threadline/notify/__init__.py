"""Layer 2: notifications — durable outbox, email, webhooks."""
