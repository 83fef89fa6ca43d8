"""The clients as the orders service knows them (the shared client replica) and what their life moves."""
