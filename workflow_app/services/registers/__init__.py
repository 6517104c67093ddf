"""A department's registers: causes (案由, `causes`), no-penalty and light-penalty lists
(`penalty_lists`), market entities, settings (`org_settings`), case and document numbering
(`numbering`, `printed_numbers`), and the step path's copies of them (`copies`)."""
