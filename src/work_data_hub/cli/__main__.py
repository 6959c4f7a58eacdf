from work_data_hub.cli import main

main()
