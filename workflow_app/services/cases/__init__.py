"""A case's life: opening and completing steps through the one step path (`step_path`,
`lifecycle`), requests and messages (`requests`, `messages`), timers, migration to another version,
links between cases, referrals, cases entered from paper; what a case shows (`overview`, `record`,
`worklists`), its limits (`time_limits`, `late_fees`), prefilled forms, the decision tables its
business rule tasks evaluated (`decisions`), legal review, the review sheet and its documents
(`documents`).

Imports run cases -> procedures/oversight -> registers -> evidence -> people -> audit -> the root
(errors, paging, transactions): tests/unit/test_service_layers.py holds the direction and the few
imports that still run against it."""
