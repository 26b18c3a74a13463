"""hingecheck's services and the command line that composes them."""
