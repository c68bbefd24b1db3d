from herstelpad.cli import main

main()
