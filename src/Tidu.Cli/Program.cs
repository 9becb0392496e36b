System.Console.WriteLine("tidu");
