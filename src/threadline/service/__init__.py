"""Layer 3: one function per action. Permission → validation → write in one transaction →
events after commit. The only code that orchestrates."""
