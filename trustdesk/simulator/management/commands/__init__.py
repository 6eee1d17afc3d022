"""`trustdesk simulate`, `demo`, `demo_otp` and `serve`."""
