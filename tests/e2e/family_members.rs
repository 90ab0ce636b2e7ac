//! End-to-end: the members family of tools against the fake.
