"""Operating the deployment: backups of every service's database and of the broker's definitions."""
