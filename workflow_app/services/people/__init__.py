"""People: users and their roles (`users`), logging in (`auth`), who may read and act on what
(`access`), the people a case names (`named`), the parties register (`parties`)."""
