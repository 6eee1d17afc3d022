"""trustdesk: trust and after-sales platform for online marketplaces."""
