"""A believable marketplace played through the service layer, for demos, load and manual testing."""
