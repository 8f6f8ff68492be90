Console.WriteLine("bertsl: not implemented yet.");
