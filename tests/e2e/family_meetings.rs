//! End-to-end: the meetings family of tools against the fake.
