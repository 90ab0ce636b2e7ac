//! End-to-end: the feeds family of tools against the fake.
