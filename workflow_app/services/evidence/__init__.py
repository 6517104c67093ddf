"""Evidence: the items of a case's evidence list (`items`), the content-addressed file store
(`store`), files kept with a step such as a drawn signature (`attachments`)."""
