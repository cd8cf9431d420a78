"""Security beyond access rules: step-up codes from an authenticator app (TOTP)."""
