"""The audit trail: events on hash chains (`trail`), their signing keys (`keys`), signed checkpoints
(`checkpoints`) and the whole-trail check (`verify`)."""
