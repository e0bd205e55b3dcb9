from newsearch.cli import main

raise SystemExit(main())
