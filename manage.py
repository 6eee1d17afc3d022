#!/usr/bin/env python
from trustdesk.cli import main

if __name__ == "__main__":
    main()
