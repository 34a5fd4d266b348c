from flow.explore.command import main

main()
