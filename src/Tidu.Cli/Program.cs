return Tidu.Cli.TiduCli.Run(args, Console.Out, Console.Error);
