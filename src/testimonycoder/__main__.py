from testimonycoder.cli.main import app

app(prog_name="testimonycoder")
