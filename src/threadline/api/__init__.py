"""Layer 4: JSON over HTTP. Parse input into an allow-listed struct → one service call →
serialize. No SQL and no business rules here."""
